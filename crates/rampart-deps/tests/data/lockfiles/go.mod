module example.com/app

go 1.21

toolchain go1.21.0

require (
	github.com/gin-gonic/gin v1.6.0
	golang.org/x/text v0.3.5 // indirect
	example.com/local v0.0.0
)

require github.com/pkg/errors v0.9.1

replace example.com/local => ../local
