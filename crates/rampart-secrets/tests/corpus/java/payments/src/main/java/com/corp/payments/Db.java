package com.corp.payments;

class Db {
    private final String password = System.getenv("DB_PASSWORD");
    private static final String PASSWORD_FIELD = "password";
    private String secretKeyRef = "SecretKeyRefProviderFactory";
    String url = "jdbc:postgresql://db:5432/app?user=app&password=" + password;
}
