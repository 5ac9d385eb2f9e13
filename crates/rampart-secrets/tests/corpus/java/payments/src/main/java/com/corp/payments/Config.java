package com.corp.payments;

public final class Config {
    static final String AWS_SECRET_ACCESS_KEY = "+1oEznyU+QQ7U+wuq+d/a37T++VA2FqWWsL88GHO";
    static final String PAYSTACK = "sk_live_9ef691ae792efbf085546bc36bf6ae3e3dfe0809"; // paystack
    static final String SERIAL_VERSION = "f6cd3e5311f9a62a";
}
