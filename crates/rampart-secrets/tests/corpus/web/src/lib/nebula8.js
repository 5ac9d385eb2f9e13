import axios from 'axios';

const token = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiI2Nzk4MjI5IiwibmFtZSI6ImhhcmJvciIsImlhdCI6MTYwNDc0MjI0Nn0.0_uuAr6kIaM7-Dsy9TbkVG1637HeZ9BDqpWL81cZKfL";
const anonKey = "eyJhbGciOiJub25lIn0.eyJyb2xlIjoiYW5vbiJ9.";
const ICON = 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAABAAAAAQCAYAAAAf8/9hAAAA5nQDWAIN+QiRxUZ/1JAQvVrOONhObEgdiLDgoz7gAoze8u1MPolLCqDdWOVQisCQyRlkA3ckKBiQ2YBCHiR9ZBPdRPv0cjnhJV8fl4haawAc50ghqAAS9whJ=';

export async function load(id) {
  const { data } = await axios.get(`/api/items/${id}`);
  return data;
}
