terraform {
  required_version = ">= 1.6"
}

resource "aws_db_instance" "main" {
  engine         = "postgres"
  instance_class = "db.t3.medium"
  username       = "app"
  password       = "oAh9v0c509~D.wKGygpk"
}

resource "aws_lambda_function" "fn" {
  function_name    = "handler"
  source_code_hash = "FqV76cPhuwJ7o+PLncCmJV8CwoHgZzB98Q1/TtC4oG7="
  image_uri        = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/fn@sha256:19a4e6f084f88bb63cc70de95d7443b972828aeea70ee8d75f07e4cf49fdaf39"
}

  ami = "ami-c5dca7f4e39426f85"
