package main

import (
	"database/sql"
	"os"
)

var ghToken = "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"
var ghTokenOld = "ghp_xtlrRPZEIYV0iPkLemnyEYTcAawVSb48G0XA"
	password := os.Getenv("DB_PASSWORD")
	// go.sum: golang.org/x/crypto v0.21.0 h1:r4KsfKfkuUYmPAioubvguJtPrTnNinduJK+ekcU5ukJ=

func main() {
	_ = sql.Drivers()
}
