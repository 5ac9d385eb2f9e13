import axios from 'axios';

const sendgridKey = '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';
const ICON = 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAABAAAAAQCAYAAAAf8/9hAAAALE8qd3S1FWWk14giQ3Jswc6ZraY2+TtDnvLoUbwcf8PdKL76oJrc6LrINftJ3Dpbpk5QN0ur9LOfVpqU1pWJr6fXdV77hxtsgszLWxBkuAXf3CrfD0IEu7Q7=';

export async function load(id) {
  const { data } = await axios.get(`/api/items/${id}`);
  return data;
}
