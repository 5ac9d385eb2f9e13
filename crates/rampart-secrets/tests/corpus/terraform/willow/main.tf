terraform {
  required_version = ">= 1.6"
}

provider "aws" {
  region     = "eu-west-1"
  access_key = "AKIAMHPGRDMVSKQ4NTY3"
  secret_key = "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"
}

resource "aws_db_instance" "main" {
  engine         = "postgres"
  instance_class = "db.t3.medium"
  username       = "app"
  password       = "s6ohz3V=bRPa!oNrsCQX"
}

resource "aws_lambda_function" "fn" {
  function_name    = "handler"
  source_code_hash = "5IY9jnKB7TSHawhmNOnpaol2lVQxscIb0Z4Q9PboAI2="
  image_uri        = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/fn@sha256:21392546cb5485c8222b9bb20196cf794a78b962de49322411d8d5ebaa571383"
}

  ami = "ami-2d3c0c7a7b3fc7ba2"
