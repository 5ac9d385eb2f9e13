import axios from 'axios';

const webhookSecret = 'zP0wSgy1z6UtCeGh9sS33yk1DCC4VGJo';
const apiToken = process.env.API_TOKEN;
const ICON = 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAABAAAAAQCAYAAAAf8/9hAAAA0wjUftPDaBjTvFVGFCwHpfaLBI6zrcf39ZnnAehzNcamchWjo0YeTDUxP/11cpMAaZq7ZW94xKtD/GX85/3H27N1AD4F0yy5nuI9IdgAlrpPfgeVrg65ZPPA=';

export async function load(id) {
  const { data } = await axios.get(`/api/items/${id}`);
  return data;
}
