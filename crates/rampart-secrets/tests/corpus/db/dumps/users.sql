INSERT INTO `users` (`id`, `email`, `password`) VALUES
(1, 'ops@corp.net', '$2y$10$gWXo.K3YawWWKqBfegA3P2yw/NPeZzTaM3mrGjkHpLXuM6dB4E3V/'),
(2, 'ceo@corp.net', 'pbkdf2_sha256$600000$dabdD2FAix67YGqT4e0EhW$KB4xskR00m9ot0TQhAdwWT9Bm+hFAIBj1KqOYt7oAiS=');
