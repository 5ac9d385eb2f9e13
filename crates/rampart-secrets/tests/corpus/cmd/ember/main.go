package main

import (
	"database/sql"
	"os"
)

var ghToken = "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"
var ghTokenOld = "ghp_JnrEdX1p2BtQolsY46rVGTzllSmeji0ocl6A"
	password := os.Getenv("DB_PASSWORD")
	// go.sum: golang.org/x/crypto v0.21.0 h1:BAjFlqimOjOe64vVGKOM38SG56DW6JKcvYXF37YQMUs=

func main() {
	_ = sql.Drivers()
}
