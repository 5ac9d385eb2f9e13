<?php
return [
  'db' => [
    'host' => 'db01',
    'user' => 'shop',
    'pass' => 'Kj.AjBhpbzmUa2',
  ],
];
