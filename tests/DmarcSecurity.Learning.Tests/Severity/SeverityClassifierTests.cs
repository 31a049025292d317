using DmarcSecurity.Learning.Severity;

namespace DmarcSecurity.Learning.Tests.Severity;

public class SeverityClassifierTests
{
    /// <summary>Analysts confirm decisions with much spoofing or grave IDS alerts and dismiss the rest, with 10 % of
    /// verdicts going the other way (analysts disagree, evidence misleads).</summary>
    private static List<Verdict> Verdicts(int count, int seed)
    {
        var random = new Random(seed);
        var verdicts = new List<Verdict>(count);
        for (var i = 0; i < count; i++)
        {
            var pattern = (float)random.NextDouble();
            var context = (float)random.NextDouble();
            var gravity = random.Next(5) * 0.25f;
            var noise = (float)random.NextDouble();
            var confirmed = pattern + (0.8 * gravity) > 1.0;
            verdicts.Add(new Verdict([pattern, context, gravity, noise], random.NextDouble() < 0.1 ? !confirmed : confirmed));
        }

        return verdicts;
    }

    [Fact]
    public void Learns_which_decisions_analysts_confirm_and_measures_itself_on_held_out_verdicts()
    {
        var (model, metrics) = SeverityClassifier.Train(Verdicts(400, 7), seed: 3);

        // A quarter of each kind, rounded down, is held out.
        Assert.Equal(400, metrics.TrainedOn + metrics.TestedOn);
        Assert.InRange(metrics.TestedOn, 98, 100);
        // With a tenth of the verdicts flipped, even a perfect ranking of the truth reaches only
        // 0.9 × 0.9 + 2 × 0.9 × 0.1 × 0.5 = 0.90 on them; this model reached 0.83.
        Assert.InRange(metrics.Auc, 0.80, 0.90);
        Assert.Equal(10, metrics.K);
        Assert.InRange(metrics.PrecisionAtK, 0.8, 1);
        Assert.Equal(metrics.TestedOn, metrics.Confusion.Sum(row => row.Sum()));
        Assert.True(model.Probability([0.95f, 0.5f, 1f, 0.5f]) > 0.8);
        Assert.True(model.Probability([0.05f, 0.5f, 0f, 0.5f]) < 0.2);
    }

    [Fact]
    public void The_same_verdicts_and_seed_give_the_same_model_and_a_stored_model_the_same_answers()
    {
        var verdicts = Verdicts(120, 11);
        var (first, metrics1) = SeverityClassifier.Train(verdicts, seed: 5);
        var (_, metrics2) = SeverityClassifier.Train(verdicts, seed: 5);

        var stored = SeverityClassifier.FromBytes(first.ToBytes(), 4);

        Assert.Equal(metrics1.Auc, metrics2.Auc);
        float[] probe = [0.6f, 0.2f, 0.5f, 0.9f];
        Assert.Equal(first.Probability(probe), stored.Probability(probe), 6);
    }

    [Fact]
    public void Too_few_verdicts_of_one_kind_are_refused_with_the_counts()
    {
        var verdicts = Verdicts(200, 1).Where(v => v.Confirmed).Take(30).Concat(Verdicts(200, 2).Where(v => !v.Confirmed).Take(9)).ToList();

        var error = Assert.Throws<ArgumentException>(() => SeverityClassifier.Train(verdicts));

        Assert.StartsWith("Training needs at least 10 approved and 10 dismissed decisions; there are 30 and 9.", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_damaged_stored_model_is_refused()
    {
        Assert.Throws<InvalidDataException>(() => SeverityClassifier.FromBytes([1, 2, 3, 4], 4));
    }
}
