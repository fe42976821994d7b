// Parses GIFT with gift-pegjs (npm): reads the text from stdin, prints the parsed questions as
// JSON, or {"error": ...} with the place of the first syntax error.
'use strict';
const { parse } = require('gift-pegjs');
let input = '';
process.stdin.on('data', (chunk) => { input += chunk; });
process.stdin.on('end', () => {
  try {
    process.stdout.write(JSON.stringify(parse(input)));
  } catch (error) {
    const where = error.location ? ` (regel ${error.location.start.line}, kolom ${error.location.start.column})` : '';
    process.stdout.write(JSON.stringify({ error: error.message + where }));
  }
});
