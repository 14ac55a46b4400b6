// The baseline for the codemod benchmark: what any jscodeshift codemod pays per file (parse, then print back).
module.exports = function identity(file, api) {
  return api.jscodeshift(file.source).toSource();
};
module.exports.parser = 'tsx';
