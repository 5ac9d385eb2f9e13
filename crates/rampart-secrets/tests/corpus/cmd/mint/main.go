package main

import (
	"database/sql"
	"os"
)

	db, _ := sql.Open("mysql", "root:r3R8YMr4HYM~N8@tcp(mysql.internal:3306)/orders")
	password := os.Getenv("DB_PASSWORD")
	// go.sum: golang.org/x/crypto v0.21.0 h1:Iq/GrH+aTZMeYeOWZAAckvatGVUdvuKXh6fRXDnnxQ6=

func main() {
	_ = sql.Drivers()
}
