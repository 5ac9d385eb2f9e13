import hashlib

EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
KNOWN_GOOD_DIGEST = "08c15fd4f0747784804c99999bf034caa9701028461f004cb11072f564d6eea8"
password_hash = "$2b$12$6TAWe8rCFo/vD6AEdg.JozQkIk5jarAMLvnfzF7VUGVCQjjndzKL3"
def token_for(user): return hmac.new(key, user.encode(), "sha256").hexdigest()
secret_name = "projects/prod/secrets/db-password/versions/latest"
token_url = "https://oauth2.googleapis.com/token"
api_key = get_secret("payments-api-key")
token = os.environ["TOKEN"]
