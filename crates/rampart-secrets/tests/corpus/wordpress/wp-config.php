<?php
define( 'DB_NAME', 'wordpress' );
define( 'DB_USER', 'wp' );
define( 'DB_PASSWORD', 'I6Z2lnq!X~Iy.-VXBjA7' );
define( 'DB_HOST', 'mysql' );
define( 'AUTH_KEY',         'put your unique phrase here' );
