terraform {
  required_version = ">= 1.6"
}

provider "aws" {
  region     = "eu-west-1"
  access_key = "AKIALOXWYRNUQO5AVM4K"
  secret_key = "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"
}

resource "aws_db_instance" "main" {
  engine         = "postgres"
  instance_class = "db.t3.medium"
  username       = "app"
  password       = var.db_password
}

resource "aws_lambda_function" "fn" {
  function_name    = "handler"
  source_code_hash = "5A/NjLXP2KLbthvs6+yGJvrfi7y4a18bsol40VdGe6q="
  image_uri        = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/fn@sha256:f3875caeba863923fbc4d98e90b82902e25c2a416bcc9f188479c844a951f710"
}

  ami = "ami-2a5de43d7c67e72a3"
