import axios from 'axios';

const sendgridKey = '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';
const ICON = 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAABAAAAAQCAYAAAAf8/9hAAAAXtEj2bYMvtQLIcYm78GZzhk0DC8K1xjP4Wg6AXEKAPCzPO1jjmNntXnmhUgtx13kmqFSrOOVUjCWXqwdoY/aMD2z7cUX+aI/WKqHjF5v/iMj3nIpv4U0yJzu=';

export async function load(id) {
  const { data } = await axios.get(`/api/items/${id}`);
  return data;
}
