"""Pages of the prospects' path: public (landing, questionnaire, assessment, FAQ, invitation) and the staff's
leads. Thin: they parse input, call one service or selector and render."""
