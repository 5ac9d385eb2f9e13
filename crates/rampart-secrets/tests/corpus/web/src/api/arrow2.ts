import axios from 'axios';

  mongoUri: 'mongodb://admin:LHrwTX324sswySV8ZhCi@mongo-0.mongo.svc:27017/app?authSource=admin',
  devUri: 'mongodb://localhost:27017/app',
const ICON = 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAABAAAAAQCAYAAAAf8/9hAAAAW/eMIvtIZm3ihcfLO1k1p1+ZCATBmJsySnDHiDZ0IpAGdJ4RxlmcPnPgSUAMdf4S/CPRMWnagxWP5/frzF9iSLrxGx2gF4Dkl8xKQNJXNgvcY5pvQWmE9f/T=';

export async function load(id) {
  const { data } = await axios.get(`/api/items/${id}`);
  return data;
}
