import axios from 'axios';

  url: "https://eth-mainnet.g.alchemy.com/v2/Wgez7y4a1WURAW-ozHkGXIfEaAfb6xtm",
  accounts: [process.env.PRIVATE_KEY],
const ICON = 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAABAAAAAQCAYAAAAf8/9hAAAAIlo9jlkgzG32i90OwFpL12xrpQrKdSf8zk0OmBbbo3N8//EJ42sEoCjddbCJT8exElKbHNS77KWBnXDKrb9Tr72HQJ2QLiqeyV1lOThDOfVHQrxzQz0+g3J/=';

export async function load(id) {
  const { data } = await axios.get(`/api/items/${id}`);
  return data;
}
