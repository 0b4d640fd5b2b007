export const notAnApp = 1;
