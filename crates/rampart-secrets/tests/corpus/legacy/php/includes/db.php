<?php
$db = new mysqli('db01.corp.local', 'shop', 'atvUV1ykY~*zgS', 'shop');
$pdo = new PDO('pgsql:host=pg01;dbname=crm', 'crm', 'lagoon&Bamboo508');
$link = mysqli_connect("localhost", "wp", "lESGkAf+2qyDyCto", "wp");
$db = new mysqli($host, $user, $pass, $name);
