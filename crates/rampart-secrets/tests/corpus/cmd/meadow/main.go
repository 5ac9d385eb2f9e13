package main

import (
	"database/sql"
	"os"
)

	webhookSecret := "3RhBFzjFv3BOMDE0qGw1p6MC0gVd"
	password := os.Getenv("DB_PASSWORD")
	// go.sum: golang.org/x/crypto v0.21.0 h1:yLGSiqYuihHVIo3Kv56ytfLOt/eLKIBj+0K5vM2I2rj=

func main() {
	_ = sql.Drivers()
}
