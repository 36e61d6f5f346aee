#!/usr/bin/env bash
# A new Swift package that uses TGFL with the README's own lines ("Swift" section, between the
# swiftpm-lines markers), against this checkout by path: resolves, builds, and runs the README's
# Swift example (Examples/swift/main.swift) with --help.
#   - the checkout is reached through a symlink named TGFL, as the README says to name it;
#   - the .package(path:) line is the README's commented one, uncommented (the url line needs
#     the published repository and its tag).
# Usage: Tests/swiftpm/consumer_test.sh    (make swiftpm-test; about a debug build of the package)
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
WORK=${TGFL_CONSUMER_DIR:-$REPO/.build/swiftpm-consumer}
fail() { echo "FAIL: $*"; exit 1; }

block=$(sed -n '/<!-- swiftpm-lines:start/,/<!-- swiftpm-lines:end/p' "$REPO/README.md")
[ -n "$block" ] || fail "README.md has no swiftpm-lines block"
path_line=$(grep -o '\.package(path: "[^"]*")' <<< "$block") || fail "no .package(path:) line in the README block"
product_lines=$(grep '\.product(name:' <<< "$block") || fail "no .product lines in the README block"
grep -q '\.package(url: "https://github.com/[^"]*", from: "0.1.0")' <<< "$block" || fail "no .package(url:from: 0.1.0) line"

rm -rf "$WORK/Consumer" "$WORK/TGFL"
mkdir -p "$WORK/Consumer/Sources/MyApp"
ln -s "$REPO" "$WORK/TGFL"                       # ../TGFL from the consumer, as in the README
cp "$REPO/Examples/swift/main.swift" "$WORK/Consumer/Sources/MyApp/main.swift"
cat > "$WORK/Consumer/Package.swift" <<MANIFEST
// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "Consumer",
    platforms: [.macOS(.v13)],
    dependencies: [
        $path_line,
    ],
    targets: [
        .executableTarget(name: "MyApp", dependencies: [
$product_lines
        ]),
    ]
)
MANIFEST
cd "$WORK/Consumer"
echo "consumer: $(tr -d '\n' <<< "$path_line"), products: $(grep -o 'name: "[A-Za-z]*"' <<< "$product_lines" | tr '\n' ' ')"
swift build --product MyApp 2>&1 | tail -3
out=$(swift run --skip-build MyApp --help) || fail "MyApp --help exited with $?"
grep -q "usage: tgfl-example" <<< "$out" || fail "MyApp --help printed: $out"
[ ! -e example-model.h5 ] || fail "--help wrote example-model.h5"
echo "swiftpm consumer: README lines resolve and build; the example honours --help"
