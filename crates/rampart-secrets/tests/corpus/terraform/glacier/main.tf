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
  source_code_hash = "DKwiRC01fsoaGXM/5YgWUWp+XFZtpDKY397kMv0tUuQ="
  image_uri        = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/fn@sha256:87c4aacc3ca8f2187a48e978a1e1beb0d29956a4b6a8a75ea0d9e514c9cf8186"
}

provider "azurerm" {
  features {}
  tenant_id     = "e599268f-d9ab-4620-a705-c9d7b3f2f211"
  client_id     = "96b28090-4286-4bc0-aeac-2df6cc93bde5"
  client_secret = "9FT8Q~HcWuGuiphhJcBl05t90DKZHnPxg.2PQ"
}
  ami = "ami-f858ae1aa1c9e1e79"
