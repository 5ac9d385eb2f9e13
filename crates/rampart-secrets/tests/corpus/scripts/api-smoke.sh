#!/usr/bin/env bash
curl -s -H "Authorization: Basic c3ZjLXF1YXJ0ejoxRFR4WXh5ZXRCaFkycUpiaW8yUg==" https://api.internal.corp/health
curl -s -H "Authorization: Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==" https://httpbin.org/basic-auth/Aladdin/open
curl -s -H "Authorization: Bearer $API_TOKEN" https://api.internal.corp/v1/me
curl -s https://api.telegram.org/bot1141449097:AAoRO6FwSDPIxEh1qpbC6rXoIcIusqrrBLd/sendMessage -d chat_id=42
