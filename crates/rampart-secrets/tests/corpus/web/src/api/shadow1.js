import axios from 'axios';

const token = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiI1MTY4Mzc4IiwibmFtZSI6Im9hc2lzIiwiaWF0IjoxNjQzNTcxNzcxfQ.wSWTuq45nHqsWSUjmGwCFxBofaCxXLVAjclw3kHl5AB";
const anonKey = "eyJhbGciOiJub25lIn0.eyJyb2xlIjoiYW5vbiJ9.";
const ICON = 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAABAAAAAQCAYAAAAf8/9hAAAAxkfwGyrr0Z/oPqL6PtunuSQMKhzs8bQKeeTojLqEF19rbMn2sLEHJfB4zn+8R68s7F6Yzct/63mk8MRgOCCnEtZ7nGexGzeIMe6ZsfYkCiS8HUTvVeoVNJ7P=';

export async function load(id) {
  const { data } = await axios.get(`/api/items/${id}`);
  return data;
}
