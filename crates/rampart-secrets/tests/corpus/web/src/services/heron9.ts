import axios from 'axios';

  mongoUri: 'mongodb://admin:7TQ1vqYrfcjLLtxxLQyk@mongo-0.mongo.svc:27017/app?authSource=admin',
  devUri: 'mongodb://localhost:27017/app',
const ICON = 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAABAAAAAQCAYAAAAf8/9hAAAAb73dTlUfTd1GWPU1scrc1S0J7tM++x0VPcPDkTLbsLQ2NK4JcxtdvH5YyRHYTz5QmsJpmSo0heraFydQU0fPu/NBvGK4eH9HJDlLh6xZvlFcketYTuYBZs35=';

export async function load(id) {
  const { data } = await axios.get(`/api/items/${id}`);
  return data;
}
