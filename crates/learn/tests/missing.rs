//! Missing values learned natively by the trees, and the guard that tables without
//! missing values still give the models they gave before missing values were supported.

use data::rng::Rng;
use data::{Categorical, Table, TableOptions};
use learn::Learner;
use learn::forest::RandomForest;
use learn::grow::Criterion;
use learn::tree::{LEAF, MISSING_LEFT, MISSING_SEEN, Tree};
use learn::tree_learner::{DecisionTree, MaxFeatures, TreeParams};
use proptest::prelude::*;
use sha2::{Digest, Sha256};

fn params(criterion: Criterion) -> TreeParams {
    TreeParams {
        criterion,
        max_depth: None,
        min_samples_split: 2,
        min_samples_leaf: 1,
        max_features: MaxFeatures::All,
    }
}

fn forest_params(criterion: Criterion) -> TreeParams {
    TreeParams { max_features: MaxFeatures::Sqrt, ..params(criterion) }
}

fn fitted_tree(table: &Table, n_classes: usize, criterion: Criterion) -> Tree {
    let mut tree = DecisionTree::new(params(criterion));
    tree.fit(table, n_classes, 0).unwrap();
    tree.tree.unwrap()
}

/// Random features with values in `levels` steps, a share of them missing.
fn random_table(seed: u64, rows: usize, cols: usize, levels: u64, classes: u32, missing: f64) -> Table {
    let mut rng = Rng::new(seed);
    let x: Vec<f32> = (0..rows * cols)
        .map(|_| {
            let v = rng.below(levels) as f32 * 0.5 - 3.0;
            if rng.next_f64() < missing { f32::NAN } else { v }
        })
        .collect();
    // The class depends on the first feature, its missingness included, plus noise.
    let y: Vec<u32> = (0..rows)
        .map(|r| {
            let first = x[r * cols];
            let signal = if first.is_nan() { 2 } else { u32::from(first > 0.0) };
            (signal + rng.below(u64::from(classes)) as u32 * u32::from(rng.below(3) == 0)) % classes
        })
        .collect();
    Table::new(x, y, cols)
}

/// One feature, two classes, two rows missing it. Gini cost n·G = n - Σc²/n per child,
/// for each threshold with the missing rows sent right (R) or left (L):
///
/// | rows (x: y) | split | R: left / right | cost R | L: left / right | cost L |
/// |---|---|---|---|---|---|
/// | 1:0 2:0 3:1 4:1 NaN:0 NaN:0 | x <= 1.5 | {0} / {0,1,1,0,0} | 2.4 | {0,0,0} / {0,1,1} | 1.333 |
/// | | x <= 2.5 | {0,0} / {1,1,0,0} | 2 | {0,0,0,0} / {1,1} | **0** |
/// | | x <= 3.5 | {0,0,1} / {1,0,0} | 2.667 | {0,0,1,0,0} / {1} | 1.6 |
/// | | values / missing | {0,0,1,1} / {0,0} | 2 | (same partition) | |
///
/// So the root is `x <= 2.5` with missing rows going left, and a missing value is
/// predicted class 0. With the missing rows labelled 1 the table mirrors: cost 0 with
/// them on the right.
#[test]
fn missing_rows_go_to_the_side_that_lowers_impurity_most() {
    for (missing_class, missing_left) in [(0, true), (1, false)] {
        let x = vec![1.0, 2.0, 3.0, 4.0, f32::NAN, f32::NAN];
        let y = vec![0, 0, 1, 1, missing_class, missing_class];
        let tree = fitted_tree(&Table::new(x, y, 1), 2, Criterion::Gini);
        assert_eq!(tree.nodes.len(), 3, "{tree:?}");
        let root = tree.nodes[0];
        assert_eq!((root.feature, root.threshold), (0, 2.5));
        assert!(root.missing_seen());
        assert_eq!(root.missing_left(), missing_left);
        assert_eq!(tree.predict_row(&[f32::NAN]), missing_class as u16);
        assert_eq!((tree.predict_row(&[2.0]), tree.predict_row(&[3.0])), (0, 1));
        // The root's n·G = 6 - (4² + 2²)/6 = 8/3 all goes: the chosen split costs 0.
        assert!((tree.impurity_decrease[0] - 8.0 / 3.0).abs() < 1e-12);
    }
}

/// Both directions cost the same: the missing rows go right, as in scikit-learn.
///
/// | rows (x: y) | split | R: left / right | cost R | L: left / right | cost L |
/// |---|---|---|---|---|---|
/// | 1:0 2:0 3:1 4:1 NaN:0 NaN:1 | x <= 1.5 | {0} / {0,1,1,0,1} | 2.4 | {0,0,1} / {0,1,1} | 2.667 |
/// | | x <= 2.5 | {0,0} / {1,1,0,1} | **1.5** | {0,0,0,1} / {1,1} | **1.5** |
/// | | x <= 3.5 | {0,0,1} / {1,0,1} | 2.667 | {0,0,1,0,1} / {1} | 2.4 |
/// | | values / missing | {0,0,1,1} / {0,1} | 3 | | |
#[test]
fn a_tie_sends_missing_rows_right() {
    let x = vec![1.0, 2.0, 3.0, 4.0, f32::NAN, f32::NAN];
    let tree = fitted_tree(&Table::new(x, vec![0, 0, 1, 1, 0, 1], 1), 2, Criterion::Gini);
    let root = tree.nodes[0];
    assert_eq!(root.threshold, 2.5);
    assert!(root.missing_seen() && !root.missing_left());
    // The right child {3:1, 4:1, NaN:0, NaN:1} splits values from missing (cost 1 against
    // 1.333 for x <= 3.5 either way), with an infinite threshold.
    let right = tree.nodes[root.right as usize];
    assert_eq!(right.threshold, f32::INFINITY);
    assert!(right.missing_seen() && !right.missing_left());
}

/// Where a node saw no missing rows, they go to the child with more training rows
/// (ties right), as scikit-learn does.
#[test]
fn unseen_missing_values_go_to_the_larger_child() {
    for (y, threshold, left) in [
        (vec![0, 0, 0, 1, 1], 3.5, true),
        (vec![0, 0, 1, 1, 1], 2.5, false),
        (vec![0, 0, 1, 1, 1, 1], 2.5, false),
        (vec![0, 0, 0, 1, 1, 1], 3.5, false),
    ] {
        let x: Vec<f32> = (1..=y.len()).map(|v| v as f32).collect();
        let tree = fitted_tree(&Table::new(x, y.clone(), 1), 2, Criterion::Gini);
        let root = tree.nodes[0];
        assert_eq!(root.threshold, threshold);
        assert!(!root.missing_seen());
        assert_eq!(root.missing_left(), left, "{y:?}");
        assert_eq!(tree.predict_row(&[f32::NAN]), if left { 0 } else { 1 });
        assert_eq!(root.value, if left { MISSING_LEFT } else { 0 });
    }
}

#[test]
fn rules_show_where_missing_values_go_when_the_tree_learned_it() {
    let names = vec!["x".to_string()];
    let classes = vec!["a".to_string(), "b".to_string()];
    let x = vec![1.0, 2.0, 3.0, 4.0, f32::NAN, f32::NAN];
    let mut tree = DecisionTree::new(params(Criterion::Gini));
    tree.fit(&Table::new(x, vec![0, 0, 1, 1, 0, 0], 1), 2, 0).unwrap();
    let rules = tree.rules(&names, &classes).unwrap();
    assert_eq!(rules, "|--- x <= 2.5 (missing: left)\n|   |--- class: a\n|--- x >  2.5\n|   |--- class: b\n");
    // A tree that never saw a missing value prints its rules as before.
    let mut tree = DecisionTree::new(params(Criterion::Gini));
    tree.fit(&Table::new(vec![1.0, 2.0, 3.0, 4.0], vec![0, 0, 1, 1], 1), 2, 0).unwrap();
    assert_eq!(
        tree.rules(&names, &classes).unwrap(),
        "|--- x <= 2.5\n|   |--- class: a\n|--- x >  2.5\n|   |--- class: b\n"
    );
}

#[test]
fn models_with_missing_values_read_back_to_the_same_predictions() {
    let table = random_table(5, 800, 5, 30, 3, 0.2);
    let mut tree = DecisionTree::new(params(Criterion::Entropy));
    tree.fit(&table, 3, 1).unwrap();
    let read = learn::tree_learner::tree_from_bytes(&tree.to_bytes()).unwrap();
    assert_eq!(read.nodes, tree.tree.as_ref().unwrap().nodes);
    assert!(read.nodes.iter().any(|n| n.feature != LEAF && n.value == MISSING_SEEN | MISSING_LEFT));
    assert!(read.nodes.iter().any(|n| n.feature != LEAF && n.value == MISSING_SEEN));
}

/// Batch prediction (rows walking each tree side by side) gives every row the class that
/// voting tree by tree over the row alone gives, missing values included.
#[test]
fn batch_predictions_equal_row_by_row_votes() {
    let table = random_table(21, 1_500, 8, 40, 4, 0.1);
    let mut forest = RandomForest::new(15, true, forest_params(Criterion::Gini));
    forest.fit(&table, 4, 3).unwrap();
    // Rows unlike the training rows, and a few entirely missing.
    let mut x = random_table(22, 777, 8, 60, 4, 0.3).x;
    x[..16].iter_mut().for_each(|v| *v = f32::NAN);
    let one_by_one: Vec<u32> = x.chunks_exact(8).map(|row| forest.predict_one(row)).collect();
    assert_eq!(forest.predict(&x, 8), one_by_one);
}

/// Infinite values are refused, missing ones accepted.
#[test]
fn trees_accept_missing_values_but_not_infinities() {
    let mut tree = DecisionTree::new(params(Criterion::Gini));
    assert!(tree.fit(&Table::new(vec![1.0, f32::NAN], vec![0, 1], 1), 2, 0).is_ok());
    let error = tree.fit(&Table::new(vec![1.0, f32::INFINITY], vec![0, 1], 1), 2, 0).unwrap_err();
    assert!(error.to_string().contains("feature 0 of row 1 is inf"), "{error}");
    let accepting: Vec<&str> =
        learn::native_learners().iter().filter(|k| k.accepts_missing).map(|k| k.name).collect();
    assert_eq!(accepting, ["majority", "decision_tree", "random_forest"]);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(16))]

    /// Distinct rows (a missing value counting as a value of its own) are separable; a
    /// fully grown tree predicts every training row right only if prediction sends
    /// missing values where training did.
    #[test]
    fn a_full_tree_fits_rows_with_missing_values_perfectly(seed in 0u64..10_000, cols in 1usize..6) {
        let mut rng = Rng::new(seed);
        let rows = 300;
        let x: Vec<f32> = (0..rows * cols)
            .map(|_| if rng.below(4) == 0 { f32::NAN } else { rng.next_f64() as f32 })
            .collect();
        let y: Vec<u32> = (0..rows).map(|_| rng.below(3) as u32).collect();
        let table = Table::new(x, y, cols);
        // Rows equal up to missing values (rare) cannot be told apart.
        let key = |r: usize| table.row(r).iter().map(|v| v.to_bits()).collect::<Vec<_>>();
        let mut keys: Vec<_> = (0..rows).map(key).collect();
        keys.sort();
        keys.dedup();
        prop_assume!(keys.len() == rows);
        for criterion in [Criterion::Gini, Criterion::Entropy] {
            let mut tree = DecisionTree::new(params(criterion));
            tree.fit(&table, 3, seed).unwrap();
            prop_assert_eq!(tree.predict(&table.x, cols), table.y.clone());
        }
    }

    #[test]
    fn models_with_missing_values_do_not_depend_on_the_thread_count(seed in 0u64..10_000) {
        let table = random_table(seed, 2_000, 12, 40, 4, 0.15);
        let fit = |threads: usize| {
            let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
            pool.install(|| {
                let mut tree = DecisionTree::new(params(Criterion::Gini));
                tree.fit(&table, 4, seed).unwrap();
                let mut forest = RandomForest::new(12, true, forest_params(Criterion::Entropy));
                forest.fit(&table, 4, seed).unwrap();
                (tree.to_bytes(), forest.to_bytes(), forest.predict(&table.x, table.cols))
            })
        };
        prop_assert_eq!(fit(1), fit(2));
    }
}

/// A model's bytes in format 1 (before missing-value flags): version byte 1 and the
/// flags cleared from each split's right-child field.
fn as_format_1(bytes: &[u8]) -> Vec<u8> {
    let mut out = bytes.to_vec();
    out[4] = 1;
    let (mut at, trees) = match &bytes[..4] {
        b"TRDT" => (13, 1),
        b"TRRF" => (17, u32::from_le_bytes(bytes[13..17].try_into().unwrap())),
        other => panic!("unknown model {other:?}"),
    };
    for _ in 0..trees {
        let count = u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap());
        at += 4;
        for _ in 0..count {
            let feature = u16::from_le_bytes(bytes[at..at + 2].try_into().unwrap());
            if feature == LEAF {
                at += 4;
            } else {
                out[at + 9] &= 0x3f;
                at += 10;
            }
        }
    }
    assert_eq!(at, bytes.len());
    out
}

fn sha256(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Tables without missing values: a generated one with exact bins, one with quantile bins,
/// one of small integers large enough for every histogram path (column reads, sibling
/// subtraction), and the heart-disease table.
fn complete_tables() -> Vec<(&'static str, Table, usize)> {
    let mut rng = Rng::new(11);
    let floats: Vec<f32> = (0..5_000 * 6).map(|_| rng.next_f64() as f32 * 10.0 - 5.0).collect();
    let float_y: Vec<u32> = (0..5_000)
        .map(|r| (u32::from(floats[r * 6] + floats[r * 6 + 1] > 0.0) + rng.below(3) as u32) % 3)
        .collect();
    let pixels: Vec<f32> = (0..12_000 * 40).map(|_| (rng.below(16) * rng.below(17)) as f32).collect();
    let pixel_y: Vec<u32> = (0..12_000)
        .map(|r| ((pixels[r * 40] as u32 + pixels[r * 40 + 7] as u32) / 60 + rng.below(2) as u32) % 5)
        .collect();
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/heart.csv");
    let options = TableOptions { categorical: Categorical::Native, ..TableOptions::new("disease") };
    let heart = data::tabular::load(&path, None, data::Format::Csv, &options).unwrap().train;
    vec![
        ("levels", random_table(7, 3_000, 10, 60, 4, 0.0), 4),
        ("floats", Table::new(floats, float_y, 6), 3),
        ("pixels", Table::new(pixels, pixel_y, 40), 5),
        ("heart", heart, 2),
    ]
}

/// Each model's bytes on `tables`, as `table model hash`, through `project`.
fn model_hashes(tables: Vec<(&'static str, Table, usize)>, project: fn(&[u8]) -> Vec<u8>) -> Vec<String> {
    let mut hashes = Vec::new();
    for (name, table, classes) in tables {
        let models: Vec<(&str, Box<dyn Learner>)> = vec![
            ("tree gini", Box::new(DecisionTree::new(params(Criterion::Gini)))),
            ("tree entropy", Box::new(DecisionTree::new(params(Criterion::Entropy)))),
            ("forest gini", Box::new(RandomForest::new(8, true, forest_params(Criterion::Gini)))),
            (
                "forest shallow entropy",
                Box::new(RandomForest::new(
                    8,
                    true,
                    TreeParams {
                        max_depth: Some(7),
                        min_samples_leaf: 3,
                        ..forest_params(Criterion::Entropy)
                    },
                )),
            ),
        ];
        for (model_name, mut model) in models {
            model.fit(&table, classes, 42).unwrap();
            hashes.push(format!("{name} {model_name} {}", sha256(&project(&model.to_bytes()))));
        }
    }
    hashes
}

/// The hash of each model's bytes (in format 1) on the complete tables, recorded from
/// the code before missing values were supported: the split search and the trees it
/// grows must not change for tables without missing values. (The bytes themselves do
/// change: format 2 stores where missing values go at every split, which for a node
/// without missing rows is its child with more training rows.)
#[test]
fn tables_without_missing_values_give_the_same_models_as_before() {
    let tables = complete_tables();
    assert!(tables.iter().all(|(_, table, _)| table.x.iter().all(|v| v.is_finite())));
    // Recorded at 658cfad (format 1, before missing values).
    let expected = [
        "levels tree gini aa057a96294aaefbb2c01bfb04c9567c0df70cc2fd08fcb3594d51385a21cc3b",
        "levels tree entropy 65bd0c2d90e6580b707998c458d923623a87500ec3a8bf85a033446a7d54446e",
        "levels forest gini 1e4946bf10e216ab9619ff42659fcf5e3227286eaae00fe6d5384e9f9989e4f6",
        "levels forest shallow entropy b451c2ec598a94945f69b4dfa3b7b4e523aaae7c266aba7965df36ee62497864",
        "floats tree gini 9beaca49ab41eb6319e454f8254e68a825b74d8ce9adbe8b12d1992249a32ea0",
        "floats tree entropy 807f8bd8311f98dfffedac9120fc8179de797f24e68d8e73c814af67562ec334",
        "floats forest gini 1df4b4abf2a2af528215a5ecbde7784c63e4eb0d85f20ed580e44938adcc91c8",
        "floats forest shallow entropy f81bb180c2ca2c3cd088714ec2822ac39a3c9c9d0a39ba5f1d7682c2665b3404",
        "pixels tree gini a3442984cbe255b966423448cce8c1994d1ed20007e9d6b0183b5de4ae9af3cb",
        "pixels tree entropy 0db6cd2e8bc65176aa795b2af242cfe107cb29702bae671576e871d370176e7c",
        "pixels forest gini 07960477044f58cd46db061b5aadeb4ccc5e571d847366abfd9a2d8048738ac7",
        "pixels forest shallow entropy 717b4538aa24da7ee5ead3f5ad950dca418dcbf7b97711424ea6845a460c2433",
        "heart tree gini ed23661b8090a64cc9336246a620ef35197fad876011abef1b0a5fbb4144a084",
        "heart tree entropy 2bf4fa3820e3113c8d7a6e11d13b69af34b22e2ae51447563ffbf64feb6eea89",
        "heart forest gini de829a89ded7d3a0857f899201baa2581b91381ad28b55c2d81735eb790bb016",
        "heart forest shallow entropy d462538a6056eb54162196d1fe7ca7015eb1407cf0f1fa6c2150d6ba1311cfbf",
    ];
    assert_eq!(model_hashes(tables, as_format_1), expected);
}

/// The same models' whole bytes, format 2 with its missing-value flags, recorded when
/// the flags were introduced: a guard for changes that should only make fitting faster.
#[test]
fn complete_tables_give_the_recorded_models() {
    let expected = [
        "levels tree gini 917a281335a6b50e711141f2104c6ab794c11b11b3a7e85a451b5245e9f1377e",
        "levels tree entropy e9cd711f398a48d7b2114a75132ed296eca44e0b7ea413a17204d3473ca2b759",
        "levels forest gini 49eb60b8057fe864f9d0e6e7b5d793cddd4c0accf338121e1edd71cce2b59fdd",
        "levels forest shallow entropy 886c5011bd30f706620395a4695581bc5a49981a8bec5c8ed8b80e1560f74cf9",
        "floats tree gini 8e229a9fe2ea6b1a7fe6ddd40d62d28a6b9ab132952442bda9ae5c244fa578e2",
        "floats tree entropy 5c5de1e61ff10da1aa56fc4b01cadb0338c74bd17ca2b677cdde9864e60d43a4",
        "floats forest gini 6d50b65e48a030ad083feb1b686d179da2773d46844ef442e62254a813b4ad0c",
        "floats forest shallow entropy 9199a6eb874737d2d500c800d05bcfcd12823cf4bda39a4a5506ffa4ccd951f5",
        "pixels tree gini 65df14d82992f88144c1fd197f74be9a8214c415f8932b186cf85ccb96d7061b",
        "pixels tree entropy 56e7ff0fb9b96fd15584aceabf09e6189959d54ff44d9dee515661f2e0d367a7",
        "pixels forest gini 28fcad96532c5f935a3f0d30a110be1ab734fad6a8d3834897e9436c71563093",
        "pixels forest shallow entropy f03a40a829ab6f9ee951d7c289220fc7f05a542e49a86817ee4d061e44214fe1",
        "heart tree gini e1c2b4bd15aa32a9ffb34d15e423ef97f9fc3685208f38410b2df73f7e376a92",
        "heart tree entropy ae7c8c60af7a17fcc6d6f0e8e45236bdc462c77efacad9544ef84d7d1e19212c",
        "heart forest gini ee7cb46de5a448b3e1a4892e01dcd2e4ae385d79e3ee98ea411eb07004018ea0",
        "heart forest shallow entropy b2db1b9bf4878aba5dddc4c6cc85ca32c9a693cb8b55e012846e00c63326a9c7",
    ];
    assert_eq!(model_hashes(complete_tables(), <[u8]>::to_vec), expected);
}

/// Models of tables with missing values, recorded when missing values were supported.
#[test]
fn tables_with_missing_values_give_the_recorded_models() {
    let mut rng = Rng::new(13);
    let pixels: Vec<f32> = (0..12_000 * 40)
        .map(|_| if rng.below(10) == 0 { f32::NAN } else { (rng.below(16) * rng.below(17)) as f32 })
        .collect();
    let pixel_y: Vec<u32> = (0..12_000)
        .map(|r| {
            let first = pixels[r * 40];
            (if first.is_nan() { 4 } else { first as u32 / 60 } + rng.below(2) as u32) % 5
        })
        .collect();
    let tables = vec![
        ("levels", random_table(7, 3_000, 10, 60, 4, 0.15), 4),
        ("pixels", Table::new(pixels, pixel_y, 40), 5),
    ];
    let expected = [
        "levels tree gini 1cd8e3a36789e8048f50159f0ecd042a40101dc20dbe541b0d4814bf43e31c76",
        "levels tree entropy c802b09e424ddbcb78930c3f35bf0b471c4b42a1de0f94657bc1cee30e38c91f",
        "levels forest gini 3e4287f802118dece0629d23af61f89b7f9f915f9769bae3b17d41e5d3fa6433",
        "levels forest shallow entropy 3c728fe7c65798b5997619eb5f284a7e788830fc2f4304bcec6b210ab2470b3b",
        "pixels tree gini c30936fea0cfcfb0798d9d6c990df83d37f7d62c71bb97bd5dc53d1e80fe5639",
        "pixels tree entropy b8775a7c703b208799a9c6b4cbae45db9a2f624b6b6b56b2bdb74f6a97ed6bd1",
        "pixels forest gini 155752ddab29b71605d55a91de8f6e065a0fa4b8b65bdcc245ae65b08322b4a7",
        "pixels forest shallow entropy 2bbd22c8792af47ebc5d0eaf90fed770e41a66bad528f1625d084bd2fcb1186a",
    ];
    assert_eq!(model_hashes(tables, <[u8]>::to_vec), expected);
}
