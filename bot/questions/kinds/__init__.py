"""One module per question type; each defines `KIND`. `bot.questions` finds them all."""
