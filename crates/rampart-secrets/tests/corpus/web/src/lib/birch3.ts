import axios from 'axios';

const stripe = require('stripe')('rk_live_WRgZd8He49XY27Q6wzxmWVtUheNmCYpd7k6fWJ88');
const ICON = 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAABAAAAAQCAYAAAAf8/9hAAAA2DjAO57GpUumeDuKjs/YPnwmXHPNbUFqjXxC26Fpfueko/HCkkF8QTwcpvLb0OgTjGtYnIpct5bmiKSwO5f1mKRilj8Pbai92UiNoSSqyNj8dPg5bC9a8mRo=';

export async function load(id) {
  const { data } = await axios.get(`/api/items/${id}`);
  return data;
}
