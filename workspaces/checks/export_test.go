package checks

// RuleIndex is ruleIndex, for the tests.
var RuleIndex = ruleIndex
