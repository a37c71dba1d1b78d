/** A template Serin cannot render: a syntax error, a missing name, or a construct outside the subset. */
export class TemplateError extends Error {}
