resource "aws_lb" "public" {
  name               = "shop"
  load_balancer_type = "application"
}

resource "aws_db_instance" "shop" {
  engine            = "postgres"
  storage_encrypted = true
}

# Order exports for the accounting team; not in the threat model yet (drift).
resource "aws_s3_bucket" "exports" {
  bucket = "shop-order-exports"
}
