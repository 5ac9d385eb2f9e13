#!/usr/bin/env bash
echo dckr_pat_2ksfbf-QFwkWTW-eKPQvzcx0FHK | docker login -u corpci --password-stdin
dotnet nuget push bin/Release/*.nupkg --api-key oy2tedvcseczqps6kpihqgyukqwlh4cn4q17n6gw9tnai9 --source https://api.nuget.org/v3/index.json
mix hex.config api_key cbd27f9ad424193a31c4324296f01d93
echo "$DOCKERHUB_TOKEN" | docker login -u corpci --password-stdin
