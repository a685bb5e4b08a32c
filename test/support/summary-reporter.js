/** Prints one plain closing line, "tests: N passed, N failed", that CI logs can read. */
class SummaryReporter {
  onRunComplete(_contexts, results) {
    const line = `tests: ${results.numPassedTests} passed, ${results.numFailedTests} failed`;
    process.stdout.write(`\n${line}\n`);
  }
}
module.exports = SummaryReporter;
