# sourced by login shells on app hosts
export MYSQL_PASSWORD="kFo40wHxaQiwjbFa"
export REDIS_PASSWORD='B3l1Z7VQzQob6sG4J5nz9dwy'
export OPENAI_API_KEY="sk-proj-J3B1x-rUFVNOe_8BW3-plWyxb78tVCz-GrfYILcXx705IAl6sG1I4uq8pxVaOOX2T3BlbkFJxDXgrIlRsFYYwUqni3so9dvMcLPPulRz1IFogz9tSrDIeRow50fgFooB0r8vTqfZ"
export PATH="$HOME/.local/bin:$PATH"
