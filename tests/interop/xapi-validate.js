// Validates xAPI statements with Learning Locker's xapi-validation (npm): reads a JSON array
// from stdin, prints a JSON array with the list of problems for each statement.
'use strict';
const validate = require('xapi-validation').default;
let input = '';
process.stdin.on('data', (chunk) => { input += chunk; });
process.stdin.on('end', () => {
  const statements = JSON.parse(input);
  const problems = statements.map((statement) => validate(statement).map((warning) => {
    const path = (warning.path || []).join('.');
    return path + ': ' + (warning.message || warning.constructor.name || JSON.stringify(warning));
  }));
  process.stdout.write(JSON.stringify(problems));
});
