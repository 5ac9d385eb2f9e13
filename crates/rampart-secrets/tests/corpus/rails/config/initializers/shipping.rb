EasyPost.api_key = "EZAKCDqdbBe4JwqwmTnGJoczoApbXhpnOFntgagRqjMvtUS33aMDCdOtZa"
Shippo::API.token = "shippo_live_0d61749a9173284beed2e58b6bc9a809caa5810d"
Rollbar.configure { |c| c.access_token = ENV["ROLLBAR_ACCESS_TOKEN"] }
