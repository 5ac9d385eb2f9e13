<?php
define( 'AUTH_KEY', 'OCK.Rw#lM4o~{L50;zwQwz|!u:vcID?a}S(jVGuFdvB(^I01-*oNC~T!)_:&EbGb' );
define( 'SECURE_AUTH_KEY', 'w9-W[JC2f^2D7^-!dXgmHDZBm|2n-/;C.F]?|i!LtNL]k3B3m^MTwt3@D|t!:ihm' );
define( 'LOGGED_IN_KEY', '=4R8O%&I7wqht-Qoyn})3J$^qs/9MA^.3mJ,O8?q;Z:F&sezc{8%YIU-%MhXMQcf' );
define( 'NONCE_SALT', '{2dr%BLrY?,r6no/:njUS[#3]^w=dtJk7kH>vm2(<EHl%mBIc~.*BVLWaD:^n(VN' );
