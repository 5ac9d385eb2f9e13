// signing key for the legacy partner API
const KEY = "-----BEGIN RSA PRIVATE KEY-----\n" +
  "MIIEpAIBAAKCAQEAQh6a2ypTDLycpnqXl3P25frR4+UoWO921KcROE1JFJDiqqZS\n" +
  "64EMJ2Wb1xUlPmjwcxnc4xkLusZxUhJCnSYALSa3ZpD0hGQbvj50HvDmAkBUuPM8\n" +
  "N+wcIYyjdKL8RoO8yzWnDP2HEzCXRx3dC8nF9PPL7yhXV645UAoJumpn758orh0v\n" +
  "TM1p1LrKLadoVlFSrzDK7UnbN8r/FjefJbamk6Z7F8+e+KTctMBUnTvXpMlMGLwF\n" +
  "lpH4R2oDALKuAm9XMeNVsMZwOdGxKZFA6lMu1vEfgv8mJXNt65CHypeJtsjtExKE\n" +
  "rlZwugGpmMJwBlRla4xcIjbFZGokLjlXpNdb4zf7gra10JFQcDbeWFrXMIe0Or8F\n" +
  "J0Sjw+juS68E//MHnR/69ZFyqzmKKfiGZMaJOEihUEOHo269cVcGo2AykmpAKmSX\n" +
  "EYAfaRi5W9Nb596unuKibKeIVnBym1rQQe0ww4L6uAJgpYIlL4jxjAvUMIb/Ygud\n" +
  "9rUEzXmUsqc0zhRzjfoohBXZBcy0YxmFm5P3zeBT3ogSMa9/jzz9bzDHVAmB8v/I\n" +
  "2iVbuvvMfo7+YVqwSBo4UBS9Pg/0U0zbmOABBgoiCqIDFy8d1EESNhBkXIhGdTiL\n" +
  "hQgQEsuHyImjhjsW6kG3UPhwN7V66l6y3iFxWwHdpIJa0elpxCojo+cYRymvgCh/\n" +
  "YbaBOjg3KuiqsdqY0XD+etMLf4R/o6r8zLSQ6Z4pInSO5afwyBq8yYdIY2kyMt/+\n" +
  "nxif0xXlOi4TMcBdcRgNfRLEkbCsYtlXZANrz03ib/vnmtoDRk/kZiCd9A8bFLRk\n" +
  "EsVKUvTpWkAoCMXlBn+nq72ujQ/gdf2852zCY92y3TpAL6QFC7w3GFsdvEheLQT5\n" +
  "V3XuokMsy3rxTfScpW9dY0U0h/lVrooN6p7obVFU2y/gfIEjBlQtyoJK6pTCx41A\n" +
  "gfcFs4dNoKLGYcBekKWymRsYHYMiFJM9aIGuzHu2dC3EnRVcIOkltZXN07kxCW6O\n" +
  "yuzDBe4pY69zbO6d5LO1V6ANv2RAxagJHVNITMQBs3rm2T8YusNwFHqcELeNeWS6\n" +
  "ThYFsg79xrRBMOfzaBOke2DXa0kX519OG9pb4WolgxZMJ0lho+gC/qkeQdNufRnZ\n" +
  "SUbLbex9phb5Yov7jTG3TyhQgOv7T48AmdL7SzZmPX7z6QbB\n" +
  "-----END RSA PRIVATE KEY-----";
