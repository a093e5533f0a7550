package org.jalloc.bench;

/**
 * The programs of {@link GcPrograms} as ordinary Java objects, for the JVM's own collectors, same sizes. {@code main}
 * runs one program once and exits 0, or 1 on OutOfMemoryError: how the minimum heap is found (with forks).
 */
public final class JavaPrograms {
    static final class Node {
        Node left;
        Node right;
        int i;
        int j;

        Node() {}

        Node(Node l, Node r) {
            left = l;
            right = r;
        }
    }

    static final class TreeNode {
        TreeNode left;
        TreeNode right;

        TreeNode(TreeNode l, TreeNode r) {
            left = l;
            right = r;
        }

        int check() {
            return 1 + (left == null ? 0 : left.check() + right.check());
        }
    }

    private JavaPrograms() {}

    private static int treeSize(int depth) {
        return (1 << (depth + 1)) - 1;
    }

    private static void populate(int depth, Node n) {
        if (depth <= 0) {
            return;
        }
        n.left = new Node();
        n.right = new Node();
        populate(depth - 1, n.left);
        populate(depth - 1, n.right);
    }

    private static Node makeTree(int depth) {
        return depth <= 0 ? new Node() : new Node(makeTree(depth - 1), makeTree(depth - 1));
    }

    private static long count(Node n) {
        return n == null ? 0 : 1 + count(n.left) + count(n.right);
    }

    public static long gcBench() {
        Node stretch = makeTree(GcPrograms.STRETCH_DEPTH);
        long check = count(stretch) & 1;
        stretch = null;
        Node longLived = new Node();
        populate(GcPrograms.LONG_LIVED_DEPTH, longLived);
        double[] array = new double[GcPrograms.ARRAY_SIZE];
        for (int i = 0; i < GcPrograms.ARRAY_SIZE / 2; i++) {
            array[i] = 1.0 / (i + 1);
        }
        Node temp = null;
        for (int d = GcPrograms.MIN_DEPTH; d <= GcPrograms.MAX_DEPTH; d += 2) {
            int iterations = 2 * treeSize(GcPrograms.STRETCH_DEPTH) / treeSize(d);
            for (int i = 0; i < iterations; i++) {
                temp = new Node();
                populate(d, temp);
            }
            for (int i = 0; i < iterations; i++) {
                temp = makeTree(d);
            }
        }
        return check + count(longLived) + (long) (1000 * array[1000]) + (temp == null ? 0 : 1);
    }

    private static TreeNode bottomUp(int depth) {
        return depth > 0 ? new TreeNode(bottomUp(depth - 1), bottomUp(depth - 1)) : new TreeNode(null, null);
    }

    public static long binaryTrees() {
        int maxDepth = Math.max(GcPrograms.MIN_DEPTH + 2, GcPrograms.BINARY_TREES_N);
        long sum = bottomUp(maxDepth + 1).check();
        TreeNode longLived = bottomUp(maxDepth);
        for (int d = GcPrograms.MIN_DEPTH; d <= maxDepth; d += 2) {
            int iterations = 1 << (maxDepth - d + GcPrograms.MIN_DEPTH);
            for (int i = 0; i < iterations; i++) {
                sum += bottomUp(d).check();
            }
        }
        return sum + longLived.check();
    }

    /** Runs {@code args[0]} (gcbench or binary-trees) once: exit 0, or 1 on OutOfMemoryError. */
    public static void main(String[] args) {
        try {
            long r = args[0].equals("gcbench") ? gcBench() : binaryTrees();
            System.out.println(r);
        } catch (OutOfMemoryError e) {
            System.exit(1);
        }
    }
}
