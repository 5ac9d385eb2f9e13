terraform {
  required_version = ">= 1.6"
}

resource "aws_db_instance" "main" {
  engine         = "postgres"
  instance_class = "db.t3.medium"
  username       = "app"
  password       = "1f+Q4Ynfik1x1c11xDpl"
}

resource "aws_lambda_function" "fn" {
  function_name    = "handler"
  source_code_hash = "gZ+ocdHzGOEOfKal2AOUc1UcG2rlVKAf1ca+xFsHNNs="
  image_uri        = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/fn@sha256:511045bc6198b41c82f7cd1b63e57e2e06846768d10f5935a64edee59bf41c94"
}

provider "azurerm" {
  features {}
  tenant_id     = "2ba8339a-a42b-449f-b138-5e874615e49e"
  client_id     = "e726fcdd-7ad1-4767-993e-00362f6cddbd"
  client_secret = "20C8Q~Od5hD6ry6DaabV.epOJ5Vrd4FrVHdFS"
}
  ami = "ami-1d0da72aa5e15b729"
