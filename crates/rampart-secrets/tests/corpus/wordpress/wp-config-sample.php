define( 'DB_PASSWORD', 'password_here' );
