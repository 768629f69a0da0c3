package checks_test

import (
	"encoding/csv"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/airlock-project/airlock/workspaces/checks"
)

// check runs the checks on a CSV given as text.
func check(tb testing.TB, src string, s checks.Settings, declared map[string]checks.Role) *checks.Result {
	tb.Helper()
	r := csv.NewReader(strings.NewReader(src))
	r.FieldsPerRecord = -1
	recs, err := r.ReadAll()
	if err != nil {
		tb.Fatalf("bad test table: %v", err)
	}
	c := checks.New(recs[0], s)
	for h, role := range declared {
		if !c.Declare(h, role) {
			tb.Fatalf("Declare(%q, %q) refused", h, role)
		}
	}
	for _, rec := range recs[1:] {
		c.Add(rec)
	}
	return c.Result()
}

// flags lists the findings of one rule as "row:column:severity", with
// "=recovered" for recoverable-suppression.
func flags(res *checks.Result, rule checks.Rule) []string {
	var out []string
	for _, f := range res.Findings {
		if f.Rule != rule {
			continue
		}
		s := fmt.Sprintf("%d:%s:%s", f.Row, f.Column, f.Severity)
		if f.Recovered != "" {
			s += "=" + f.Recovered
		}
		out = append(out, s)
	}
	return out
}

type ruleCase struct {
	name     string
	csv      string
	settings func(*checks.Settings)
	declared map[string]checks.Role
	want     []string // flags of the rule under test; none for a false positive
}

func runRule(t *testing.T, rule checks.Rule, cases []ruleCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := checks.DefaultSettings()
			if tc.settings != nil {
				tc.settings(&s)
			}
			res := check(t, tc.csv, s, tc.declared)
			if got := flags(res, rule); !slices.Equal(got, tc.want) {
				t.Errorf("%s flags = %q, want %q\nall findings:\n%s", rule, got, tc.want, dump(res))
			}
			for _, f := range res.Findings {
				if f.Message == "" {
					t.Errorf("finding without a message: %+v", f)
				}
			}
		})
	}
}

func dump(res *checks.Result) string {
	var b strings.Builder
	for _, c := range res.Columns {
		fmt.Fprintf(&b, "  column %q: %s (%s)\n", c.Name, c.Role, c.Why)
	}
	for _, f := range res.Findings {
		fmt.Fprintf(&b, "  %d %q %s %s %q: %s\n", f.Row, f.Column, f.Rule, f.Severity, f.Value, f.Message)
	}
	for _, n := range res.Notes {
		fmt.Fprintf(&b, "  note: %s\n", n)
	}
	return b.String()
}

func TestSmallCount(t *testing.T) {
	t.Parallel()
	runRule(t, checks.RuleSmallCount, []ruleCase{
		{name: "worked example: 5 flagged, 0 not", csv: "age_band,heart_disease\n30-39,5\n40-49,0\n50-59,20\n", want: []string{"1:heart_disease:fail"}},
		{name: "zeros disclosive", csv: "age_band,heart_disease\n30-39,5\n40-49,0\n", settings: func(s *checks.Settings) { s.ZerosAreDisclosive = true },
			want: []string{"1:heart_disease:fail", "2:heart_disease:fail"}},
		{name: "threshold is inclusive", csv: "region,n\nA,7\nB,8\nC,1\n", want: []string{"1:n:fail", "3:n:fail"}},
		{name: "ACRO threshold", csv: "region,n\nA,7\nB,9\nC,10\n", settings: func(s *checks.Settings) { s.SmallCountMax = 9 },
			want: []string{"1:n:fail", "2:n:fail"}},
		{name: "totals included", csv: "region,male,female,total\nNorth,0,0,5\n", want: []string{"1:total:fail"}},
		{name: "midpoint-6 3 is a range label", csv: "group,n_midpoint6\nA,3\nB,9\n", want: nil},
		{name: "midpoint-6 derived 6 is a range label", csv: "group,n_midpoint6_derived\nA,6\nB,12\n", want: nil},
		{name: "midpoint-6 suffix ignored when not accepted", csv: "group,n_midpoint6\nA,3\nB,9\n", settings: func(s *checks.Settings) { s.AcceptMidpoint6 = false },
			want: []string{"1:n_midpoint6:fail"}},
		{name: "count and percentage in one cell", csv: "sex,patients\nM,5 (2.1%)\nF,200 (97.9%)\n", want: []string{"1:patients:fail"}},
		{name: "survival events use the survival threshold", csv: "time,n_risk,n_event,surv\n1,100,8,0.92\n", settings: func(s *checks.Settings) { s.SurvivalMinCount = 10 },
			want: []string{"1:n_event:fail"}},
		// False positives: none of these is a count.
		{name: "week numbers under a silent header", csv: "wk,n\n1,10\n2,15\n3,20\n4,25\n", want: nil},
		{name: "week numbers repeated per group", csv: "wk,grp,n\n1,a,10\n2,a,15\n3,a,20\n1,b,10\n2,b,15\n3,b,20\n", want: nil},
		{name: "ages", csv: "age,n\n1,10\n5,15\n", want: nil},
		{name: "years under a silent header", csv: "yr,n\n2019,10\n2021,15\n", want: nil},
		{name: "identifiers", csv: "pid,n\n102345,10\n203456,15\n", want: nil},
		{name: "integer percentages", csv: "region,pct_patients\nA,3\nB,97\n", want: nil},
		{name: "codes with a header word", csv: "practice_code,n\n3,10\n5,15\n", want: nil},
		{name: "Likert codes marked as not a count", csv: "answer,n\n1,10\n3,15\n5,20\n", declared: map[string]checks.Role{"answer": checks.RoleDimension}, want: nil},
		{name: "not a count, declared", csv: "region,score\nA,3\nB,5\n", declared: map[string]checks.Role{"score": checks.RoleDimension}, want: nil},
		{name: "label column <10 is a category", csv: "age_group,n\n<10,20\n10+,30\n", want: nil},
		{name: "decimals are not counts", csv: "region,n\nA,2.5\n", want: nil},
		{name: "means", csv: "region,mean_age\nA,5\n", want: nil},
	})
}

func TestUnroundedCount(t *testing.T) {
	t.Parallel()
	runRule(t, checks.RuleUnroundedCount, []ruleCase{
		{name: "worked example: stroke 8", csv: "region,stroke\nA,8\nB,10\n", want: []string{"1:stroke:fail"}},
		{name: "at_risk is midpoint-6 without saying so", csv: "week,at_risk\n1,1203\n2,1197\n3,1185\n4,1179\n", want: nil},
		{name: "events_midpoint6 20", csv: "week,events_midpoint6\n1,20\n2,9\n3,15\n", want: []string{"1:events_midpoint6:fail"}},
		{name: "midpoint6 derived must be multiples of 6", csv: "week,n_midpoint6_derived\n1,20\n2,18\n", want: []string{"1:n_midpoint6_derived:fail"}},
		{name: "a raw 0,3 column is not excused", csv: "region,n\nA,0\nB,13\nC,23\n", want: []string{"2:n:fail", "3:n:fail"}},
		{name: "values fitting both schemes", csv: "region,n\nA,15\nB,45\nC,75\n", want: nil},
		{name: "review when rounding is not required", csv: "region,stroke\nA,8\n", settings: func(s *checks.Settings) { s.RequireRounding = false },
			want: []string{"1:stroke:review"}},
		{name: "rounding base 10", csv: "region,n\nA,15\nB,20\n", settings: func(s *checks.Settings) { s.RoundingBase = 10 }, want: []string{"1:n:fail"}},
		{name: "small counts are small, not unrounded", csv: "region,n\nA,3\n", want: nil},
		{name: "thousands separators used throughout", csv: "region,n\nA,\"1,203\"\nB,\"2,500\"\n", want: []string{"1:n:fail"}},
		{name: "zero is rounded", csv: "region,n\nA,0\n", want: nil},
		{name: "years are not counts", csv: "yr,n\n2019,10\n2021,15\n", want: nil},
	})
}

func TestRecoverableSuppression(t *testing.T) {
	t.Parallel()
	runRule(t, checks.RuleRecoverableSuppression, []ruleCase{
		{name: "worked example: North female = 5", csv: "region,male,female,total\nNorth,120,[REDACTED],125\n", want: []string{"1:female:fail=5"}},
		{name: "total recomputed without the cell", csv: "region,male,female,total\nNorth,120,[REDACTED],120\n", want: nil},
		{name: "two cells redacted in the line", csv: "region,a,b,c,total\nNorth,120,[REDACTED],[REDACTED],130\n", want: nil},
		{name: "a Total row gives a column back", csv: "region,n\nNorth,100\nSouth,*\nEast,50\nTotal,155\n", want: []string{"2:n:fail=5"}},
		{name: "crossing lines, one after another",
			csv:  "region,male,female,total\nNorth,[REDACTED],[REDACTED],125\nSouth,100,50,150\nTotal,200,[REDACTED],275\n",
			want: []string{"1:male:fail=100", "1:female:fail=25", "3:female:fail=75"}},
		{name: "redacted total of a row", csv: "region,male,female,total\nNorth,120,5,[REDACTED]\n", want: []string{"1:total:fail=125"}},
		{name: "long table", csv: "region,sex,n\nNorth,male,100\nNorth,female,[REDACTED]\nNorth,Total,105\nSouth,male,50\nSouth,female,50\nSouth,Total,100\n",
			want: []string{"2:n:fail=5"}},
		{name: "long table with totals first", csv: "region,sex,n\nNorth,Total,105\nNorth,male,100\nNorth,female,[REDACTED]\n", want: []string{"3:n:fail=5"}},
		{name: "long table grand total by sex", csv: "region,sex,n\nNorth,male,100\nSouth,male,<8\nAll,male,105\n", want: []string{"2:n:fail=5"}},
		{name: "rounding makes it approximate", csv: "region,male,female,total\nNorth,120,[REDACTED],125\nSouth,95,[REDACTED],100\n", want: []string{"1:female:fail=5", "2:female:fail=5"}},
		{name: "life table identity", csv: "time,n_risk,n_event,n_censor\n0,100,[REDACTED],5\n1,90,10,0\n", want: []string{"1:n_event:fail=5"}},
		{name: "survival estimate gives events back", csv: "time,n_risk,n_event,surv\n0,100,0,1\n1,100,[REDACTED],0.97\n", want: []string{"2:n_event:fail=3"}},
		{name: "no total, nothing to recover", csv: "region,deaths,cases\nNorth,[REDACTED],100\n", want: nil},
		{name: "parts that are not counts leave the line alone", csv: "region,male,female,total\nNorth,n/k,[REDACTED],125\n", want: nil},
	})
}

func TestTotalDifferencing(t *testing.T) {
	t.Parallel()
	runRule(t, checks.RuleTotalDifferencing, []ruleCase{
		{name: "worked example: d = 5", csv: "sex,a,b,c,Total\nFemale,50,20,135,210\n", want: []string{"1:Total:review"}},
		{name: "exact total", csv: "sex,a,b,c,Total\nFemale,50,20,135,205\n", want: nil},
		{name: "omitted unknown category is a large d", csv: "sex,a,b,c,Total\nFemale,50,20,135,300\n", want: nil},
		{name: "total less than its parts", csv: "sex,a,b,Total\nFemale,50,20,65\n", want: []string{"1:Total:review"}},
		{name: "column total", csv: "region,n\nNorth,100\nSouth,50\nTotal,155\n", want: []string{"3:n:review"}},
		{name: "midpoint-6 ranges do not add up exactly", csv: "sex,a_midpoint6,b_midpoint6,total_midpoint6\nF,3,9,15\n", want: nil},
	})
}

func TestSmallDenominator(t *testing.T) {
	t.Parallel()
	runRule(t, checks.RuleSmallDenominator, []ruleCase{
		{name: "worked example: ratio 0.2 of 5/25", csv: "ratio,numerator,denominator\n0.2,5,25\n", want: []string{"1:ratio:fail"}},
		{name: "redacted numerator with its rate shown", csv: "practice,deaths,population,rate\nA,[REDACTED],1000,4.0\n", want: []string{"1:rate:fail"}},
		{name: "mean of few people", csv: "sex,n,mean_age\nF,5,45.2\nM,100,50.1\n", want: []string{"1:mean_age:fail"}},
		{name: "statistics by row rest on the n row", csv: "statistic,male,female\nn,120,5\nmean_age,45.2,50.1\nsd_age,10.1,12.2\n",
			want: []string{"2:female:fail", "3:female:fail"}},
		{name: "n row after the statistics", csv: "statistic,male,female\nmean_age,45.2,50.1\nn,120,5\n", want: []string{"1:female:fail"}},
		{name: "variable, statistic, value", csv: "variable,statistic,value\nage,n,100\nage,mean,45.2\nbmi,n,5\nbmi,mean,27.1\n", want: []string{"4:value:fail"}},
		{name: "survival step on few events", csv: "time,n_risk,n_event,surv\n1,100,3,0.97\n", want: []string{"1:surv:fail"}},
		{name: "large bases", csv: "ratio,numerator,denominator\n0.2,50,250\n", want: nil},
		{name: "midpoint-6 3 is a range", csv: "group,n_midpoint6,rate\nA,3,0.1\n", want: nil},
		{name: "redacted statistic is not shown", csv: "ratio,numerator,denominator\n[REDACTED],5,25\n", want: nil},
	})
}

func TestRateMismatch(t *testing.T) {
	t.Parallel()
	runRule(t, checks.RuleRateMismatch, []ruleCase{
		{name: "worked example: 0.3478 for 10/30", csv: "ratio,numerator,denominator\n0.3478,10,30\n0.5,10,20\n0.25,10,40\n", want: []string{"1:ratio:review"}},
		{name: "percentages", csv: "pct,numerator,denominator\n34.8,10,30\n50.0,10,20\n25.0,10,40\n", want: []string{"1:pct:review"}},
		{name: "rate per 1000", csv: "practice,deaths,population,rate_per_1000\nA,10,2000,5.0\nB,20,2000,10.0\nC,15,2000,8.1\n", want: []string{"3:rate_per_1000:review"}},
		{name: "computed from the released counts", csv: "ratio,numerator,denominator\n0.3333,10,30\n0.5,10,20\n", want: nil},
		{name: "rounded to its own decimals", csv: "ratio,numerator,denominator\n0.33,10,30\n0.3,10,30\n", want: nil},
		{name: "no numerator and denominator", csv: "region,value\nA,0.3478\n", want: nil},
		{name: "a column that is not this ratio at all", csv: "value,numerator,denominator\n12.5,10,30\n140.1,10,20\n3.2,10,40\n", want: nil},
	})
}

func TestExtremeValue(t *testing.T) {
	t.Parallel()
	runRule(t, checks.RuleExtremeValue, []ruleCase{
		{name: "worked example: min_age and max_age", csv: "min_age,max_age\n18,103\n", want: []string{"1:min_age:review", "1:max_age:review"}},
		{name: "rows labelled min and max", csv: "statistic,age\nmin_age,18\nmax_age,103\nmedian_age,50\n", want: []string{"1:age:review", "2:age:review"}},
		{name: "range and percentiles", csv: "measure,p0,p50,p100\nage,18,50,103\n", want: []string{"1:p0:review", "1:p100:review"}},
		{name: "words that contain min", csv: "administration,minutes\nA,10\n", want: nil},
		{name: "labels only", csv: "max_label\nhigh\n", want: nil},
	})
}

func TestLowCountBin(t *testing.T) {
	t.Parallel()
	runRule(t, checks.RuleLowCountBin, []ruleCase{
		{name: "worked example: 60,70,5", csv: "lower,upper,n\n50,60,10\n60,70,5\n70,80,20\n",
			want: []string{"1:n:review", "2:n:fail", "3:n:review"}},
		{name: "empty bins are ignored", csv: "bin,n\n0,0\n10,20\n20,0\n30,25\n40,0\n", want: []string{"2:n:review", "4:n:review"}},
		{name: "interval labels", csv: "bmi,frequency\n\"[0,10)\",20\n\"[10,20)\",5\n\"[20,30)\",30\n", want: []string{"1:frequency:review", "2:frequency:fail", "3:frequency:review"}},
		{name: "an edge bin that is small fails alone", csv: "bin,n\n0,5\n10,20\n20,25\n", want: []string{"1:n:fail", "3:n:review"}},
		{name: "age bands are categories, not bins", csv: "age_band,n\n30-39,5\n40-49,20\n50-59,30\n", want: nil},
	})
}

func TestClassDisclosure(t *testing.T) {
	t.Parallel()
	runRule(t, checks.RuleClassDisclosure, []ruleCase{
		{name: "worked example: married, all full time", csv: "status,full_time,part_time,total\nMarried,60,0,60\nSingle,40,20,60\n", want: []string{"1:full_time:review"}},
		{name: "column partition", csv: "region,full_time\nNorth,60\nSouth,0\nTotal,60\n", want: []string{"1:full_time:review"}},
		{name: "numerator equals denominator", csv: "practice,numerator,denominator\nA,30,30\nB,10,30\n", want: []string{"1:numerator:review"}},
		{name: "0 of N is not flagged by default", csv: "practice,numerator,denominator\nA,0,30\n", want: nil},
		{name: "0 of N with zeros disclosive", csv: "practice,numerator,denominator\nA,0,30\n", settings: func(s *checks.Settings) { s.ZerosAreDisclosive = true },
			want: []string{"1:numerator:review"}},
		{name: "a percentage of 100", csv: "group,pct\nA,100\nB,55.5\n", want: []string{"1:pct:review"}},
		{name: "a proportion of 1", csv: "group,proportion\nA,1\nB,0.5\n", want: []string{"1:proportion:review"}},
		{name: "n (100%)", csv: "sex,patients\nF,60 (100%)\nM,0 (0%)\n", want: []string{"1:patients:review"}},
		{name: "two outcomes in one row are not a partition", csv: "region,deaths,hospitalised\nNorth,60,0\n", want: nil},
		{name: "an unconfirmed line", csv: "status,full_time,part_time,total\nMarried,60,0,65\n", want: nil},
	})
}

func TestRedactionMarker(t *testing.T) {
	t.Parallel()
	runRule(t, checks.RuleRedactionMarker, []ruleCase{
		{name: "worked example: *, NA, blank, <5", csv: "region,n_vaccinated\nA,*\nB,NA\nC,\nD,<5\nE,10\n",
			want: []string{"0::review", "2:n_vaccinated:review", "3:n_vaccinated:review", "4:n_vaccinated:review"}},
		{name: "bounds at the threshold are fine", csv: "region,n\nA,<8\nB,<=7\nC,≤7\nD,<10\n", want: []string{"0::review"}},
		{name: "one spelling", csv: "region,n\nA,[REDACTED]\nB,[redacted]\nC,[ REDACTED ]\n", want: nil},
		{name: "<=5 is too narrow", csv: "region,n\nA,<=5\n", want: []string{"1:n:review"}},
		{name: "markers in a label column are categories", csv: "age_group,n\n<5,20\nNA,30\n", want: nil},
		{name: "a word in a count column", csv: "region,n\nA,unknown\nB,10\nC,15\nD,20\nE,25\nF,30\nG,35\nH,40\nI,45\nJ,50\nK,55\n", want: []string{"1:n:review"}},
		{name: "blank statistics are layout", csv: "term,coef,se\nintercept,1.2,\nage,0.5,0.1\n", want: nil},
		{name: "extra markers from the settings", csv: "region,n\nA,masked\nB,*\n", settings: func(s *checks.Settings) { s.MarkersExplicit = append(s.MarkersExplicit, "masked") },
			want: []string{"0::review"}},
	})
}

func TestDominance(t *testing.T) {
	t.Parallel()
	runRule(t, checks.RuleDominance, []ruleCase{
		{name: "n-k and p-ratio", csv: "industry,n,sum,top1,top2\nA,20,1000,800,150\nB,25,1000,300,200\nC,30,1000,500,420\n",
			want: []string{"1:sum:fail", "3:sum:fail"}},
		{name: "negative values need a checker", csv: "industry,n,sum,top1,top2\nA,20,1000,-50,30\n", want: []string{"1:sum:review"}},
		{name: "no largest contributions, no rule", csv: "industry,n,sum\nA,20,1000\n", want: nil},
		{name: "a stricter k", csv: "industry,n,sum,top1,top2\nB,25,1000,300,200\n", settings: func(s *checks.Settings) { s.NKK = 0.5 }, want: []string{"1:sum:fail"}},
	})
}

func TestLowDoF(t *testing.T) {
	t.Parallel()
	runRule(t, checks.RuleLowDoF, []ruleCase{
		{name: "df_resid column", csv: "model,df_resid\nA,8\nB,120\n", want: []string{"1:df_resid:review"}},
		{name: "df_resid row", csv: "term,estimate\nintercept,1.2\nage,0.05\ndf_resid,9\n", want: []string{"3:estimate:review"}},
		{name: "observations less coefficients", csv: "term,coef,se\nintercept,1.2,0.3\nage,0.05,0.01\nnobs,9,\n", want: []string{"3:coef:review"}},
		{name: "observations and parameters", csv: "model,nobs,n_params\nA,15,6\n", want: []string{"1:nobs:review"}},
		{name: "enough degrees of freedom", csv: "model,df_resid\nA,10\n", want: nil},
		{name: "dof_min setting", csv: "model,df_resid\nA,15\n", settings: func(s *checks.Settings) { s.DoFMin = 20 }, want: []string{"1:df_resid:review"}},
	})
}

func TestColumnRoles(t *testing.T) {
	t.Parallel()
	tests := []struct {
		csv  string
		want []checks.Role
	}{
		{"n,count,num_events,deaths,total,at_risk\n1,1,1,1,1,1\n", []checks.Role{"count", "count", "count", "count", "count", "count"}},
		{"rate,pct_patients,mean_age,sd,hr,pvalue,p_value,events_per_1000\n1,1,1,1,1,1,1,1\n", []checks.Role{"statistic", "statistic", "statistic", "statistic", "statistic", "statistic", "statistic", "statistic"}},
		{"year,week,age_band,practice_id,region,imd_quintile\n1,1,1,1,1,1\n", []checks.Role{"dimension", "dimension", "dimension", "dimension", "dimension", "dimension"}},
		{"n_midpoint6,n_midpoint6_derived,min_age,max_bmi\n3,6,1,1\n", []checks.Role{"midpoint6", "midpoint6-derived", "extreme", "extreme"}},
		// Silent headers: the values decide.
		{"a,b,c,d,e,f,g\n1,2019,10234,5,x,1.5,*\n2,2020,20345,10,y,2.5,*\n3,2021,30456,5,z,3.5,10\n",
			[]checks.Role{"dimension", "dimension", "dimension", "count", "dimension", "statistic", "count"}},
		{"descending,repeated,codes_repeat,blank\n3,10020,10020,\n2,10020,10020,\n1,10030,10020,\n", []checks.Role{"dimension", "count", "count", "dimension"}},
		{"male,female\n120,[REDACTED]\n", []checks.Role{"count", "count"}},
		{"full_time,part_time\n60,0\n", []checks.Role{"count", "count"}},
	}
	for _, tt := range tests {
		res := check(t, tt.csv, checks.DefaultSettings(), nil)
		var got []checks.Role
		for _, c := range res.Columns {
			got = append(got, c.Role)
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("%q: roles %q, want %q\n%s", strings.SplitN(tt.csv, "\n", 2)[0], got, tt.want, dump(res))
		}
	}
	res := check(t, "week,at_risk\n1,1203\n2,1197\n3,1185\n", checks.DefaultSettings(), nil)
	if !res.Columns[1].LooksMidpoint6 {
		t.Errorf("at_risk should look midpoint-6:\n%s", dump(res))
	}
	res = check(t, "region,n\nA,0\nB,3\nC,3\nD,3\n", checks.DefaultSettings(), nil)
	if res.Columns[1].LooksMidpoint6 {
		t.Errorf("a raw {0, 3} column should not look midpoint-6")
	}
	res = check(t, "region,total\nA,10\n", checks.DefaultSettings(), nil)
	if !res.Columns[1].Total {
		t.Errorf("total should be a column of totals")
	}
}

func TestDeclare(t *testing.T) {
	t.Parallel()
	c := checks.New([]string{"a"}, checks.DefaultSettings())
	if c.Declare("a", "nonsense") {
		t.Error("Declare accepted an unknown role")
	}
	c.Add([]string{"1"})
	if c.Declare("a", checks.RoleCount) {
		t.Error("Declare accepted a role after the first row")
	}
	res := check(t, "week,n\n1,5\n", checks.DefaultSettings(), map[string]checks.Role{"week": checks.RoleCount})
	if got := flags(res, checks.RuleSmallCount); !slices.Equal(got, []string{"1:week:fail", "1:n:fail"}) {
		t.Errorf("declared count: %q", got)
	}
	if res.Columns[0].Why != "declared by the researcher" {
		t.Errorf("Why = %q", res.Columns[0].Why)
	}
}

func TestMarkerSpellings(t *testing.T) {
	t.Parallel()
	explicit := []string{"[REDACTED]", "[redacted]", " [ Redacted ] ", "REDACTED", "Suppressed", "*", "**", "~", "c", "X", "<8", "< 8", "<=7", "<= 7", "≤7", "< 10"}
	ambiguous := []string{"", " ", "NA", "n/a", "N / A", "NaN", "null", "None", "-", "."}
	text := []string{"redact", "n.a.", "<8 people", "suppress", "<", "<=", "7<"}
	// In a count column: explicit markers are suppressed cells (recoverable
	// from a total), ambiguous ones too but with a review, text neither.
	for _, m := range explicit {
		res := check(t, "region,a,n_b,total\nNorth,100,\""+m+"\",105\n", checks.DefaultSettings(), nil)
		if got := flags(res, checks.RuleRecoverableSuppression); len(got) != 1 {
			t.Errorf("%q is not read as a redaction: %s", m, dump(res))
		}
		if got := flags(res, checks.RuleRedactionMarker); slices.Contains(got, "1:n_b:review") && !strings.HasPrefix(strings.TrimSpace(m), "<") {
			t.Errorf("%q is flagged as ambiguous: %q", m, got)
		}
	}
	for _, m := range ambiguous {
		res := check(t, "region,a,n_b,total\nNorth,100,\""+m+"\",105\n", checks.DefaultSettings(), nil)
		if got := flags(res, checks.RuleRecoverableSuppression); len(got) != 1 {
			t.Errorf("%q is not read as a possible redaction: %s", m, dump(res))
		}
		if got := flags(res, checks.RuleRedactionMarker); !slices.Contains(got, "1:n_b:review") {
			t.Errorf("%q is not flagged as ambiguous: %q", m, got)
		}
	}
	for _, m := range text {
		res := check(t, "region,a,n_b,total\nNorth,100,\""+m+"\",105\n", checks.DefaultSettings(), nil)
		if got := flags(res, checks.RuleRecoverableSuppression); len(got) != 0 {
			t.Errorf("%q is read as a redaction: %q", m, got)
		}
	}
}

func TestSettingsValidate(t *testing.T) {
	t.Parallel()
	if err := checks.DefaultSettings().Validate(); err != nil {
		t.Fatalf("defaults: %v", err)
	}
	bad := []func(*checks.Settings){
		func(s *checks.Settings) { s.SmallCountMax = -1 },
		func(s *checks.Settings) { s.RoundingBase = 0 },
		func(s *checks.Settings) { s.NKN = 0 },
		func(s *checks.Settings) { s.NKK = 1.5 },
		func(s *checks.Settings) { s.PRatioP = -0.1 },
		func(s *checks.Settings) { s.DoFMin = -1 },
		func(s *checks.Settings) { s.MaxGroups = -1 },
		func(s *checks.Settings) { s.SurvivalMinCount = -2 },
		func(s *checks.Settings) { s.MarkersExplicit = []string{"  "} },
		func(s *checks.Settings) { s.TotalLabels = []string{strings.Repeat("x", 100)} },
	}
	for i, f := range bad {
		s := checks.DefaultSettings()
		f(&s)
		if s.Validate() == nil {
			t.Errorf("case %d: Validate accepted %+v", i, s)
		}
	}
	// Invalid settings never turn the checks off.
	s := checks.DefaultSettings()
	s.RoundingBase = 0
	if got := flags(check(t, "region,n\nA,8\n", s, nil), checks.RuleUnroundedCount); len(got) != 1 {
		t.Errorf("invalid settings changed the checks: %q", got)
	}
}

func TestResultStatus(t *testing.T) {
	t.Parallel()
	for src, want := range map[string]checks.Status{
		"region,n\nA,10\n":  checks.StatusPass,
		"region,n\nA,5\n":   checks.StatusFail,
		"region,n\nA,NA\n":  checks.StatusReview,
		"min_age\n18\n":     checks.StatusReview,
		"region\nNorth\n":   checks.StatusPass,
		"region,n\n":        checks.StatusPass,
		"region,n\nA,100\n": checks.StatusPass,
	} {
		res := check(t, src, checks.DefaultSettings(), nil)
		if got := res.Status(); got != want {
			t.Errorf("%q: status %s, want %s\n%s", src, got, want, dump(res))
		}
		if res.RuleSet != checks.RuleSet {
			t.Errorf("RuleSet = %q", res.RuleSet)
		}
	}
}

func TestListingIsBounded(t *testing.T) {
	t.Parallel()
	c := checks.New([]string{"region", "n"}, checks.DefaultSettings())
	const rows = 5000
	for i := range rows {
		c.Add([]string{"r" + fmt.Sprint(i), "3"})
	}
	res := c.Result()
	if res.Fails != rows {
		t.Errorf("Fails = %d, want %d", res.Fails, rows)
	}
	if n := len(flags(res, checks.RuleSmallCount)); n >= rows || n == 0 {
		t.Errorf("%d small-count findings listed of %d", n, rows)
	}
	if len(res.Notes) == 0 || !strings.Contains(strings.Join(res.Notes, " "), "more small-count findings") {
		t.Errorf("no note about unlisted findings: %q", res.Notes)
	}
	if res.Rows != rows {
		t.Errorf("Rows = %d", res.Rows)
	}
}

func TestRolesHoldForTheWholeTable(t *testing.T) {
	t.Parallel()
	// A silent column that looks like counts in the first rows but holds
	// decimals later is not checked as counts, and says so.
	c := checks.New([]string{"region", "score"}, checks.DefaultSettings())
	for i := range 1500 {
		v := "3"
		if i >= 1200 {
			v = "3.5"
		}
		c.Add([]string{"r" + fmt.Sprint(i), v})
	}
	res := c.Result()
	if n := len(flags(res, checks.RuleSmallCount)); n != 0 {
		t.Errorf("%d small counts flagged in a column that is not counts", n)
	}
	if res.Fails != 0 || !strings.Contains(strings.Join(res.Notes, " "), `Column "score"`) {
		t.Errorf("fails %d, notes %q", res.Fails, res.Notes)
	}
}

func TestGroupsAreBounded(t *testing.T) {
	t.Parallel()
	s := checks.DefaultSettings()
	s.MaxGroups = 100
	c := checks.New([]string{"practice", "sex", "n"}, s)
	// Groups closed by their totals are done with and do not count...
	for i := range 500 {
		p := fmt.Sprintf("A%d", i)
		c.Add([]string{p, "male", "10"})
		c.Add([]string{p, "Total", "15"})
	}
	// ...but totals that come first keep their groups open to the end.
	for i := range 300 {
		p := fmt.Sprintf("B%d", i)
		c.Add([]string{p, "Total", "15"})
		c.Add([]string{p, "male", "10"})
	}
	res := c.Result()
	if !strings.Contains(strings.Join(res.Notes, " "), "more than 100 groups") {
		t.Errorf("no note about the group limit: %q", res.Notes)
	}
	if got := flags(res, checks.RuleTotalDifferencing); len(got) != 500 {
		t.Errorf("%d total-differencing findings, want the 500 groups closed before the limit", len(got))
	}
}

func TestBackgroundMatchesDirect(t *testing.T) {
	t.Parallel()
	header := []string{"region", "sex", "n", "rate"}
	var rows [][]string
	for i := range 3000 {
		rows = append(rows,
			[]string{fmt.Sprint("r", i%40), "male", fmt.Sprint(i % 13), "0.5"},
			[]string{fmt.Sprint("r", i%40), "female", "[REDACTED]", "0.25"},
			[]string{fmt.Sprint("r", i%40), "Total", fmt.Sprint(i%13 + 5), "0.3"})
	}
	direct := checks.New(header, checks.DefaultSettings())
	bg := checks.New(header, checks.DefaultSettings()).InBackground()
	row := make([]string, 4)
	for _, r := range rows {
		direct.Add(r)
		copy(row, r) // Add must not keep the row slice
		bg.Add(row)
	}
	a, b := direct.Result(), bg.Result()
	if fmt.Sprint(a) != fmt.Sprint(b) {
		t.Errorf("background result differs:\n%s\nvs\n%s", dump(a), dump(b))
	}
}

func TestTextChecker(t *testing.T) {
	t.Parallel()
	tc := checks.NewTextChecker(checks.DefaultSettings(), true)
	for _, l := range []string{
		"Cohort built: n = 5 after exclusions",
		"Outcome (n=3) in the treated group",
		"4 patients had the outcome",
		"men: 6 (2.1%)",
		"n = 500 overall, 120 patients, 30 (10.2%)",
		"week 3 of 52",
		"0 patients excluded",
		`{"group": "A", "n": 5, "n_events": 40, "rate": 2}`,
	} {
		tc.Line(l)
	}
	res := tc.Result()
	got := flags(res, checks.RuleSmallCount)
	want := []string{"1::review", "2::review", "3::review", "4::review", "8::review"}
	if !slices.Equal(got, want) {
		t.Errorf("text hints %q, want %q\n%s", got, want, dump(res))
	}
	if got := flags(res, checks.RuleLogFile); len(got) != 1 {
		t.Errorf("a log gets one review: %q", got)
	}
	if res.Fails != 0 || res.Status() != checks.StatusReview {
		t.Errorf("text hints must only ask for review: %+v", res)
	}
}
