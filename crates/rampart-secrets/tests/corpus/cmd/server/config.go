package main

type DBConfig struct {
	Password string `yaml:"password" env:"DB_PASSWORD"`
	APIToken string `json:"api_token"`
}

func load(cfg *Config) DBConfig {
	return DBConfig{
		Password: cfg.Database.Password,
		APIToken: os.Getenv("API_TOKEN"),
	}
}
