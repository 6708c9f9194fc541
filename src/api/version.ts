// The version hsm reports (package.json's version, set at build time).
export const VERSION = '0.1.0';
