//! What the learners expose beyond a class: scores, paths, updates.

use data::Table;
use learn::Learner;
use learn::Update;
use learn::logistic::LogisticRegression;
use learn::tree_learner::DecisionTree;
use serde_json::json;

/// One feature, classes 0 0 1 0 | 1 1 1 1 at x = 0..7. Gini of the best splits: at 3.5,
/// 4/8 x 0.375 + 0 = 0.1875; at 1.5, 0 + 6/8 x 0.278 = 0.208; at 2.5, 0.367. So a depth-1
/// tree splits at 3.5 and its left leaf scores [0.75, 0.25].
fn two_leaves() -> Table {
    Table::new(vec![0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0], vec![0, 0, 1, 0, 1, 1, 1, 1], 1)
}

fn tree(depth: u64) -> DecisionTree {
    let params = json!({ "max_depth": depth }).as_object().unwrap().clone();
    DecisionTree::from_params(&params).unwrap()
}

#[test]
fn a_tree_scores_a_row_by_its_leafs_training_shares_and_counts_its_tests() {
    let mut model = tree(1);
    model.fit(&two_leaves(), 2, 0).unwrap();
    let scores = model.predict_scores(&[1.0, 5.0], 1).unwrap();
    assert_eq!(scores.values, vec![0.75, 0.25, 0.0, 1.0]);
    assert_eq!(model.predict(&[1.0, 5.0], 1), vec![0, 1]);
    // One test per prediction at depth 1.
    assert_eq!(model.mean_path_length(&[1.0, 5.0, 2.0], 1), Some(1.0));
    assert_eq!(model.facts().leaves, Some(2));
    // A tree takes new rows by refitting.
    let mut more = two_leaves();
    more.x.push(0.5);
    more.y.push(0);
    more.rows += 1;
    assert_eq!(model.update(&more, 2, 0).unwrap(), Update::Refit);
}

#[test]
fn logistic_regression_warm_starts_from_its_weights() {
    let params = json!({ "epochs": 20, "update_epochs": 3 }).as_object().unwrap().clone();
    let mut model = LogisticRegression::from_params(&params).unwrap();
    let table = two_leaves();
    model.fit(&table, 2, 1).unwrap();
    let before = model.to_bytes();
    let scores = model.predict_scores(&table.x, 1).unwrap();
    for row in scores.values.chunks(2) {
        assert!((row[0] + row[1] - 1.0).abs() < 1e-5, "probabilities sum to 1: {row:?}");
    }
    let update = model.update(&table, 2, 1).unwrap();
    match update {
        Update::WarmStart(how) => assert!(how.starts_with("3 epochs"), "{how}"),
        Update::Refit => panic!("logistic regression warm-starts"),
    }
    assert_ne!(model.to_bytes(), before, "the update moved the weights");
    // The standardisation of the first fit is kept: the bytes after the weights match.
    let weights = 2 * 2 * 4;
    assert_eq!(model.to_bytes()[13 + weights..], before[13 + weights..]);
}
