package main

import (
	"database/sql"
	"os"
)

const dsn = "postgres://billing:FMDM6KU_88Hm5pe4@pg.internal.corp:5432/billing?sslmode=require"
	password := os.Getenv("DB_PASSWORD")
	// go.sum: golang.org/x/crypto v0.21.0 h1:POizj9S7kiRIDdyMcmbbnOXp+5skf3Hibu/qnJ7T7gK=

func main() {
	_ = sql.Drivers()
}
