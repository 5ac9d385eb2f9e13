# sourced by login shells on app hosts
export MYSQL_PASSWORD="Wy_xb78tV.Cz!Grf"
export REDIS_PASSWORD='UzOrOsbJK5HHylDACrPnX5fD'
export OPENAI_API_KEY="sk-proj-sG1I4uq8pxVaOOX2xDXgrIlRsFYYwUqni3so9dvMcLPPulRz1IFogz9tSrDIeRowT3BlbkFJ50fgFooB0r8vTqfZ0F7yqJ20qQX12WPBWLE3KWTv9gIPFbOijBfDpd5oBpJYiLGr"
export PATH="$HOME/.local/bin:$PATH"
