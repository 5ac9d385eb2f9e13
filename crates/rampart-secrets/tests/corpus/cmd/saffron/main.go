package main

import (
	"database/sql"
	"os"
)

const dsn = "postgres://billing:7JIzZO2++xx3neCx@pg.internal.corp:5432/billing?sslmode=require"
	password := os.Getenv("DB_PASSWORD")
	// go.sum: golang.org/x/crypto v0.21.0 h1:wncf38WZKnhDXuX/gLCebQoBM5oYDbP5R4bxjubg7C7=

func main() {
	_ = sql.Drivers()
}
