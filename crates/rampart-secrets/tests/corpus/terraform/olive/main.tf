terraform {
  required_version = ">= 1.6"
}

resource "aws_db_instance" "main" {
  engine         = "postgres"
  instance_class = "db.t3.medium"
  username       = "app"
  password       = var.db_password
}

resource "aws_lambda_function" "fn" {
  function_name    = "handler"
  source_code_hash = "/G3wJiy7gOemqeVmDUb3/wA+SXn70QHjn59WPtH7tLP="
  image_uri        = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/fn@sha256:0985c33d892c7a3dd5ff2d93c4416ae5b1fba8882aea4da3ebb2ba4b10e9bb85"
}

  ami = "ami-210fe47ef03ceb5ea"
