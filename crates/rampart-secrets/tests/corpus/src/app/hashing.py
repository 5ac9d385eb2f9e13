import hashlib

EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
KNOWN_GOOD_DIGEST = "64d6eea8eb6c1f4773f57e6701f836a282e20469953167ebb8b7a2230699d91a"
password_hash = "$2b$12$Z1OSy1cw0zv4uML.Z6OKjkdfpNlyH.hfhMWtJ2brbbWwm3Tdk/WQt"
def token_for(user): return hmac.new(key, user.encode(), "sha256").hexdigest()
secret_name = "projects/prod/secrets/db-password/versions/latest"
token_url = "https://oauth2.googleapis.com/token"
api_key = get_secret("payments-api-key")
token = os.environ["TOKEN"]
